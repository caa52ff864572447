# The staging state, in the GCS bucket terraform/bootstrap makes (versioned, locked down). The bucket's
# name is the organisation's: `terraform init -backend-config=bucket=<name>` (npm run deploy passes
# TF_STATE_BUCKET). The state holds the Upstash tokens and the origins' TLS key: never a local file.
terraform {
  backend "gcs" {
    prefix = "im-edge-gateway/staging"
  }
}
