"""The core of Regiecoach: storage, texts, the crisis lexicon, config and the
Dutch language toolkit. `bot/`, `actions/` and `rasa_addons/` build on it and
never import each other."""
