terraform {
  required_providers {
    upstash = {
      source  = "upstash/upstash"
      version = "~> 2.0.1"
    }
  }
}
