# No secrets here: the token comes from TF_VAR_cluster_token (scripts/switch-to-cloud.sh).
environment = "staging"
# cluster_api_server and cluster_ca_certificate come from .env.k8s as TF_VAR_* as well.
