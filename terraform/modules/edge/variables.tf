variable "environment" {
  description = "staging or production."
  type        = string
}

variable "cloudflare_account_id" {
  description = "Account of the Worker, its KV namespaces, queues and Logpush job."
  type        = string
}

variable "secret_location" {
  description = "GCP location where KEY_SECRET is kept (the default region's)."
  type        = string
}

variable "key_secret_version" {
  description = "Version of KEY_SECRET; raising it writes a new one (rotation)."
  type        = number
}

variable "logs_location" {
  description = "GCP location of the log archive (regions.json: logs.location)."
  type        = string
}

variable "logs_retention_days" {
  description = "Days the archived logs are kept (regions.json: logs.retentionDays)."
  type        = number
}
