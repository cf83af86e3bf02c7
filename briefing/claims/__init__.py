"""Claims: the model's reading of each article, checked against the article's own sentences."""
