variable "environment" {
  description = "staging or production."
  type        = string
}

variable "region_id" {
  description = "Region id of regions.json."
  type        = string
}

variable "location" {
  description = "Upstash region of the database: regions.json's database.location (e.g. eu-central-1)."
  type        = string
}

variable "monthly_budget" {
  description = "Monthly budget of the database, USD; Upstash throttles it past the budget."
  type        = number
}
