"""The Dutch language toolkit: folding and shortening text (`text`), yes/no
(`answers`), number words (`numbers`), roles (`roles`), and reading and
writing dates (`dates`, with babel for formatting and dateparser as fallback)."""
