"""The people an employee meets during re-integration."""

# Whom a meeting can be with (the card and the reminders name them).
MEETING_ROLES = ("bedrijfsarts", "leidinggevende", "arbeidsdeskundige", "casemanager")
# Everyone a user may name, including UWV's verzekeringsarts (week 93 onwards).
ROLES = (*MEETING_ROLES, "verzekeringsarts")
