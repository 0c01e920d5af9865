"""Private runtime helpers shared by the public modules."""
