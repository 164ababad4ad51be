{{/*
titanium.fullname: the name of every object of the release, cut to 63 characters.
values/<svc>.yaml sets fullnameOverride to the kebab-case service name (auth-service), so names
do not depend on the Argo CD release name (<env>-<svc>).
*/}}
{{- define "titanium.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* titanium.componentName: "<fullname>-<component>" for a worker or hook, cut to 63. */}}
{{- define "titanium.componentName" -}}
{{- printf "%s-%s" (include "titanium.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* titanium.selectorLabels: what every selector of the release matches (all components). */}}
{{- define "titanium.selectorLabels" -}}
app.kubernetes.io/name: {{ include "titanium.fullname" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* titanium.labels: the labels of every object. */}}
{{- define "titanium.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "titanium.selectorLabels" . }}
app.kubernetes.io/version: {{ include "titanium.version" . | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: titanium
{{- end -}}

{{/* titanium.componentSelector: selector of one workload; call with (dict "root" $ "component" "server"). */}}
{{- define "titanium.componentSelector" -}}
{{ include "titanium.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/*
titanium.image: repository@digest when a digest is set (staging and prod: Argo CD passes the
released digest as the parameter image.digest, argocd/apps release.images), else repository:tag
(local: values/local/*.yaml, skaffold, e2e-kind). Neither fails the render: no environment may
silently run whatever image an appVersion tag happens to name.
*/}}
{{- define "titanium.image" -}}
{{- $image := .Values.image -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $image.repository $image.digest -}}
{{- else if $image.tag -}}
{{- printf "%s:%s" $image.repository $image.tag -}}
{{- else -}}
{{- fail "image.digest (staging/prod: the release pointer in argocd/apps) or image.tag (local) is required" -}}
{{- end -}}
{{- end -}}

{{/* titanium.version: app.kubernetes.io/version, the tag or else the digest's first 12 hex digits (a label holds no ':'). */}}
{{- define "titanium.version" -}}
{{- .Values.image.tag | default (.Values.image.digest | trimPrefix "sha256:" | trunc 12) -}}
{{- end -}}

{{/* titanium.imagePullSecrets: registry credentials of every pod of the release (none by default). */}}
{{- define "titanium.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* titanium.serviceAccountName: the workload's own identity (its Istio principal). */}}
{{- define "titanium.serviceAccountName" -}}
{{- include "titanium.fullname" . -}}
{{- end -}}

{{/* titanium.principal: Istio principal of a caller {serviceAccount, namespace}; call with (dict "root" $ "caller" .). */}}
{{- define "titanium.principal" -}}
{{- printf "%s/ns/%s/sa/%s" .root.Values.mesh.trustDomain (default .root.Release.Namespace .caller.namespace) .caller.serviceAccount -}}
{{- end -}}

{{/* titanium.env: the environment every container of the release gets (ConfigMap + Secret refs). */}}
{{- define "titanium.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "titanium.fullname" . }}
{{- if or .Values.secretEnv .Values.readReplica.enabled }}
env:
  {{- range .Values.secretEnv }}
  - name: {{ .name }}
    valueFrom:
      secretKeyRef:
        name: {{ .secretName }}
        key: {{ .key }}
  {{- end }}
  {{- with .Values.readReplica }}
  {{- if .enabled }}
  {{- /* The primary's credentials, for the `-ro` Service; Kubernetes expands $(NAME) from the
  entries above it (CloudNativePG's generated passwords are letters and digits: nothing to
  escape in a URL). */}}
  {{- range $name, $key := dict "DATABASE_REPLICA_USER" "username" "DATABASE_REPLICA_PASSWORD" "password" "DATABASE_REPLICA_DBNAME" "dbname" }}
  - name: {{ $name }}
    valueFrom:
      secretKeyRef:
        name: {{ $.Values.readReplica.secretName }}
        key: {{ $key }}
  {{- end }}
  - name: DATABASE_REPLICA_URL
    value: "postgresql://$(DATABASE_REPLICA_USER):$(DATABASE_REPLICA_PASSWORD)@{{ .cluster }}-ro:5432/$(DATABASE_REPLICA_DBNAME)"
  {{- end }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* titanium.volumeMounts: /tmp (the only writable path) and Secrets mounted as files. */}}
{{- define "titanium.volumeMounts" -}}
volumeMounts:
  - name: tmp
    mountPath: /tmp
  {{- range .Values.secretVolumes }}
  - name: {{ .name }}
    mountPath: {{ .mountPath }}
    readOnly: true
  {{- end }}
{{- end -}}

{{- define "titanium.volumes" -}}
volumes:
  - name: tmp
    emptyDir:
      medium: Memory
      sizeLimit: {{ .Values.tmpSizeLimit }}
  {{- range .Values.secretVolumes }}
  - name: {{ .name }}
    secret:
      secretName: {{ .secretName }}
      defaultMode: 0440
  {{- end }}
{{- end -}}

{{/* titanium.podMeta: annotations and labels of a pod template; call with (dict "root" $ "component" "server"). */}}
{{- define "titanium.podLabels" -}}
{{ include "titanium.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- if .root.Values.mesh.enabled }}
sidecar.istio.io/inject: "true"
{{- end }}
{{- end -}}

{{- define "titanium.podAnnotations" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- if .Values.mesh.enabled }}
proxy.istio.io/config: '{"holdApplicationUntilProxyStarts": true}'
{{- end }}
{{- with .Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* titanium.topologySpread: spread replicas over zones and nodes; call with (dict "root" $ "component" "server"). */}}
{{- define "titanium.topologySpread" -}}
topologySpreadConstraints:
  {{- range .root.Values.topologySpread }}
  - maxSkew: {{ .maxSkew }}
    topologyKey: {{ .topologyKey }}
    whenUnsatisfiable: {{ .whenUnsatisfiable }}
    labelSelector:
      matchLabels:
        {{- include "titanium.componentSelector" (dict "root" $.root "component" $.component) | nindent 8 }}
  {{- end }}
{{- end -}}

{{/*
The named port of /readyz and /metrics: the internal listener when the service has one.
*/}}
{{- define "titanium.internalPortName" -}}
{{- if .Values.service.internalPort }}http-internal{{ else }}http{{ end }}
{{- end }}
