# This root is the production environment: its own state (backend.tf) and settings.
environment = "production"
