"""The daily run: dated folders, what changed since the last briefing, delivery, the schedule."""
