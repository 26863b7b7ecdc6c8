"""The editors' content outside Rasa's model: the fact sheet and answers built from it,
the rules `make check` applies (style, coverage), and the console's editing of FAQ
topics and facts (content/editing.py).

No Rasa here: the actions, the web app and the tools all read it.
"""
