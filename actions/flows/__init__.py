"""Conversation flows as declarative step tables over a SQLite draft.

Each flow (onboarding, meeting preparation, look back, practice, check-in,
...) is a step table in content/flows/<flow>.yml, in the spirit of Rasa's
flows.yml. `table.TableFlow` runs any table; its validators and actions are
Python functions registered by name (registry.py). The engine (engine.py)
runs the flow inside Rasa's one form `flow_form`; the draft keeps its state,
so a flow survives restarts and session expiry.
"""
