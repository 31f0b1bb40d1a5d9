"""Local sync: pull from the school's system, map and filter, write to a sink, report what changed."""
