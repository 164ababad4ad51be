# An existing cluster reached by API server URL + token + CA, the same three values .env.k8s
# holds (scripts/switch-to-cloud.sh exports them as TF_VAR_*).
provider "kubernetes" {
  host                   = var.cluster_api_server
  token                  = var.cluster_token
  cluster_ca_certificate = base64decode(var.cluster_ca_certificate)
}

provider "helm" {
  kubernetes {
    host                   = var.cluster_api_server
    token                  = var.cluster_token
    cluster_ca_certificate = base64decode(var.cluster_ca_certificate)
  }
}
