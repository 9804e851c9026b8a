"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi run`."""

import gc

from server import create_app

app = create_app()
# The app, its modules and the form definitions live as long as the process: keep them out of
# the garbage collector's full passes, which otherwise walk them every few requests.
gc.freeze()
