"""Static projects site."""
