"""Exports of the marts as files for people and tools outside the warehouse."""
