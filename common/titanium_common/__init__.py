"""What every Titanium service truly shares, and nothing more."""
