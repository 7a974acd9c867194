"""The Dutch language toolkit: normalising, yes/no, numbers, shortening, roles,
and reading and writing dates."""
