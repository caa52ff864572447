# This root is the staging environment: its own state (backend.tf) and settings.
environment = "staging"
