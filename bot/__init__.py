"""Regiecoach: the Telegram front end, local chat, scheduler and launcher."""
