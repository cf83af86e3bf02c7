"""The data shapes: what the model answers (`answers`), what the stages pass each other
(`stages`) and the briefing.json contract (`contract`)."""
