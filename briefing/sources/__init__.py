"""Sources: what the user names, read (files, URLs, feeds), cleaned, de-duplicated and split
into numbered sentences. Everything later cites these sentences."""
