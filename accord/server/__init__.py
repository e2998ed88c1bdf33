"""FastAPI server: ``create_app(engine)`` builds the app; nothing is built at import time."""
