"""Code that runs inside the Rasa server: the crisis NLU component and the
token-checked input channel."""
