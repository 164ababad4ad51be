locals {
  # argocd/ is the source of truth: the AppProjects and this environment's root Application are
  # read from it, so what Terraform applies is what tests/delivery/test_gitops.py validates.
  project_docs = [
    for doc in split("\n---\n", file("${var.argocd_dir}/projects/titanium.yaml")) :
    yamldecode(doc) if can(yamldecode(doc).kind)
  ]
  root_app = yamldecode(file("${var.argocd_dir}/bootstrap/${var.environment}.yaml"))

  projects = {
    for p in local.project_docs : p.metadata.name => merge(p.spec, {
      namespace  = var.namespace
      finalizers = p.metadata.finalizers
    })
  }
  applications = {
    (local.root_app.metadata.name) = merge(local.root_app.spec, {
      namespace  = var.namespace
      finalizers = local.root_app.metadata.finalizers
    })
  }

  replicas = var.high_availability ? 2 : 1
}

# ---------------------------------------------------------------------------------------------
# Argo CD
# ---------------------------------------------------------------------------------------------
resource "helm_release" "this" {
  name             = "argocd"
  repository       = "https://argoproj.github.io/argo-helm"
  chart            = "argo-cd"
  version          = var.argo_cd_chart_version
  namespace        = var.namespace
  create_namespace = true
  atomic           = true
  wait             = true
  timeout          = 600

  values = [yamlencode({
    global = {
      securityContext = { runAsNonRoot = true }
    }
    configs = {
      params = { "server.insecure" = false }
      cm = {
        # Sync waves order Applications only when Argo CD reports an Application's health
        # (removed by default in Argo CD 1.8); the app-of-apps relies on it.
        "resource.customizations.health.argoproj.io_Application" = <<-LUA
          hs = {}
          hs.status = "Progressing"
          hs.message = ""
          if obj.status ~= nil then
            if obj.status.health ~= nil then
              hs.status = obj.status.health.status
              if obj.status.health.message ~= nil then
                hs.message = obj.status.health.message
              end
            end
          end
          return hs
        LUA
        "admin.enabled"                                          = false
        "exec.enabled"                                           = false
        "statusbadge.enabled"                                    = false
        "users.anonymous.enabled"                                = false
      }
    }
    controller     = { replicas = local.replicas }
    repoServer     = { replicas = local.replicas }
    server         = { replicas = local.replicas }
    applicationSet = { replicas = local.replicas }
    redis-ha       = { enabled = var.high_availability }
  })]
}

# ---------------------------------------------------------------------------------------------
# AppProjects and the root Application (after the CRDs above exist)
# ---------------------------------------------------------------------------------------------
resource "helm_release" "bootstrap" {
  name       = "argocd-bootstrap"
  repository = "https://argoproj.github.io/argo-helm"
  chart      = "argocd-apps"
  version    = var.argocd_apps_chart_version
  namespace  = var.namespace
  atomic     = true

  values = [yamlencode({
    projects     = local.projects
    applications = local.applications
  })]

  depends_on = [helm_release.this]
}
