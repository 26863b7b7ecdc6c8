"""The editors' content outside Rasa's model: the fact sheet and answers built from it.

No Rasa here: the actions, the web app and the tools all read it.
"""
