"""Durable background jobs stored in the application's database."""
