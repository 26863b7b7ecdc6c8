"""The app's tables: SQLAlchemy models, session factory and repository functions."""
