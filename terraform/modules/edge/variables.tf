variable "environment" {
  description = "staging or production."
  type        = string
}

variable "cloudflare_account_id" {
  description = "Account of the Worker."
  type        = string
}

variable "cloudflare_zone_id" {
  description = "Zone of the hostname."
  type        = string
}

variable "hostname" {
  description = "Public hostname of the edge."
  type        = string
}

variable "bundle_path" {
  description = "Worker bundle (npm run build)."
  type        = string
}

variable "compatibility_date" {
  description = "Workers compatibility date."
  type        = string
}

variable "region_secrets" {
  description = "ORIGIN_URL_<R>, ORIGIN_API_KEY_<R>, UPSTASH_REDIS_REST_URL_<R>, UPSTASH_REDIS_REST_TOKEN_<R> for every region."
  type        = map(string)
  sensitive   = true
}

variable "channel_secrets" {
  description = "Channel and admin secrets."
  type        = map(string)
  sensitive   = true
}

variable "key_secret_previous" {
  description = "The KEY_SECRET before a rotation, while what was stored under it is moved or expires (docs/SECURITY.md); empty otherwise."
  type        = string
  sensitive   = true
  default     = ""
}
