"""Conversation flows as small state machines over a SQLite draft.

A flow (meeting preparation, look back, practice, check-in, ...) is a class
with `start`, `ask` and `handle`. The engine (actions/flows/engine.py) runs it
inside Rasa's one form `flow_form`; the draft keeps its state, so a flow
survives restarts and session expiry.
"""
