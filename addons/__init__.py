"""Rasa server extensions: NLU components loaded by name from config.yml."""
