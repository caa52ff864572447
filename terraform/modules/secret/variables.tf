variable "secret_id" {
  description = "Name of the secret."
  type        = string
}

variable "location" {
  description = "The one GCP location where the secret is kept."
  type        = string
}

variable "labels" {
  description = "Labels of the secret."
  type        = map(string)
}

variable "value" {
  description = "The value, written write-only (ephemeral: never stored in the state or a plan)."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "value_version" {
  description = "Raise it to write the value again (a rotation)."
  type        = number
}

variable "readers" {
  description = "IAM members (serviceAccount:…) allowed to read the secret."
  type        = list(string)
  default     = []
}
