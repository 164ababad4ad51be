variable "environment" {
  description = "GitOps environment this cluster runs: selects argocd/bootstrap/<environment>.yaml."
  type        = string

  validation {
    condition     = contains(["staging", "prod"], var.environment)
    error_message = "environment must be staging or prod."
  }
}

variable "argocd_dir" {
  description = "Path to the repository's argocd/ directory (projects and bootstrap files are read from it)."
  type        = string
}

variable "namespace" {
  description = "Namespace Argo CD is installed into."
  type        = string
  default     = "argocd"
}

variable "argo_cd_chart_version" {
  description = "Version of the argo-cd Helm chart (argoproj/argo-helm)."
  type        = string
  default     = "7.7.11"
}

variable "argocd_apps_chart_version" {
  description = "Version of the argocd-apps Helm chart that applies the AppProjects and the root Application."
  type        = string
  default     = "2.0.2"
}

variable "high_availability" {
  description = "Run the Argo CD controller, repo server and server with more than one replica."
  type        = bool
  default     = false
}
