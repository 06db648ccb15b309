"""Tests for the models package (unittest discovery needs this file to import models.tests)."""
