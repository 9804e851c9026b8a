"""PDF scorecards from plain dataclasses: no Flask, no database."""
