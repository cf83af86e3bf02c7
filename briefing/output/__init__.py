"""Output: the briefing as Markdown, JSON and HTML, published as one set."""
