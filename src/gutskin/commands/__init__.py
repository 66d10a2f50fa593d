"""Command modules of the Typer CLI; each exposes ``register(app)``."""
