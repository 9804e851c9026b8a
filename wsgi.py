"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi run`."""

from server import create_app
from server.serving import prepare_process

app = create_app()
prepare_process()  # the garbage collector's settings for serving: server/serving.py
