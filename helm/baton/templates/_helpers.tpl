{{/* The chart name, or nameOverride. */}}
{{- define "baton.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The full name: fullnameOverride, else release-chart (just the release if it already contains the chart name). */}}
{{- define "baton.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* chart-version, for the helm.sh/chart label. */}}
{{- define "baton.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select the operator pods: never change them between releases. */}}
{{- define "baton.selectorLabels" -}}
app.kubernetes.io/name: {{ include "baton.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{/* Labels on every object of the chart. */}}
{{- define "baton.labels" -}}
helm.sh/chart: {{ include "baton.chart" . }}
{{ include "baton.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: baton
{{- end }}

{{/* The operator's ServiceAccount name. */}}
{{- define "baton.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "baton.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The operator image reference. */}}
{{- define "baton.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Whether leader election is on: with more than one replica. */}}
{{- define "baton.leaderElection" -}}
{{- if gt (int .Values.replicaCount) 1 }}true{{ else }}false{{ end }}
{{- end }}

{{/*
The operator's rules on namespaced resources, for the watched namespace (a Role) or all of them (a
ClusterRole): operator/src/main/resources/rbac.yaml split by feature (RbacTest keeps that file equal to
the calls the operator makes; BatonChartTest keeps the union of what this chart renders equal to it).
Secrets: only the control token's, by name, unless reloadOnSecrets.
*/}}
{{- define "baton.rbacRules" -}}
- apiGroups: [baton.dev]
  resources: [reloads]
  verbs: [get, list, watch, create]
- apiGroups: [baton.dev]
  resources: [reloads/status]
  verbs: [patch]
- apiGroups: [apps]
  resources: [deployments, statefulsets, daemonsets]
  verbs: [get, list, watch, patch]
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list]
{{- with .Values.controlToken.secretName }}
- apiGroups: [""]
  resources: [secrets]
  resourceNames: [{{ . }}]
  verbs: [get]
{{- end }}
{{- if .Values.operator.reloadOnSecrets }}
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch]
{{- end }}
- apiGroups: [""]
  resources: [events]
  verbs: [create]
{{- end }}

{{/* The leader-election Lease's rules (a Role in the release namespace). */}}
{{- define "baton.leaseRules" -}}
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, create, patch]
{{- end }}

{{/* The namespaces the chart creates the control token Secret in, as a JSON list. */}}
{{- define "baton.controlTokenNamespaces" -}}
{{- $ns := list -}}
{{- with .Values.operator.watchNamespace }}{{ $ns = append $ns . }}{{ end -}}
{{- range .Values.controlToken.namespaces }}{{ $ns = append $ns . }}{{ end -}}
{{- toJson (uniq $ns) -}}
{{- end }}

{{/* The webhook's Service name (also the certificate's subject). */}}
{{- define "baton.webhookServiceName" -}}
{{- printf "%s-webhook" (include "baton.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The Secret with the webhook's certificate (kubernetes.io/tls), whichever source fills it. */}}
{{- define "baton.webhookSecretName" -}}
{{- printf "%s-webhook-tls" (include "baton.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The DNS names the API server may use for the webhook Service. */}}
{{- define "baton.webhookDnsNames" -}}
{{- $svc := include "baton.webhookServiceName" . -}}
{{- $ns := .Release.Namespace -}}
{{- toJson (list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.cluster.local" $svc $ns)) -}}
{{- end }}

{{/*
webhook.tls.source=helm: the CA and serving certificate as JSON {ca, crt, key} (base64 PEM). Kept from
the existing Secret on upgrade (lookup; empty under `helm template`), else generated. Generated once
per render and memoized in .Values, because the Secret, the caBundle and the pod's checksum must agree
and every genCA call makes a new CA.
*/}}
{{- define "baton.webhookGeneratedTLS" -}}
{{- if not .Values.webhook.tls._generated -}}
{{- $existing := dict -}}
{{- if .Release.IsUpgrade -}}
{{- /* Only on upgrade: nothing to keep on a first install, and offline renderers fail on lookup. */ -}}
{{- $existing = lookup "v1" "Secret" .Release.Namespace (include "baton.webhookSecretName" .) -}}
{{- end -}}
{{- if and $existing (hasKey ($existing.data | default dict) "ca.crt") -}}
{{- $_ := set .Values.webhook.tls "_generated" (dict "ca" (index $existing.data "ca.crt") "crt" (index $existing.data "tls.crt") "key" (index $existing.data "tls.key")) -}}
{{- else -}}
{{- $dns := include "baton.webhookDnsNames" . | fromJsonArray -}}
{{- $days := int .Values.webhook.tls.validityDays -}}
{{- $ca := genCA "baton-webhook-ca" $days -}}
{{- $cert := genSignedCert (index $dns 2) nil $dns $days $ca -}}
{{- $_ := set .Values.webhook.tls "_generated" (dict "ca" ($ca.Cert | b64enc) "crt" ($cert.Cert | b64enc) "key" ($cert.Key | b64enc)) -}}
{{- end -}}
{{- end -}}
{{- toJson .Values.webhook.tls._generated -}}
{{- end }}

{{/* The image whose /opt/baton jars the webhook's init container copies. */}}
{{- define "baton.injectImage" -}}
{{- printf "%s:%s" .Values.inject.image.repository (default .Chart.AppVersion .Values.inject.image.tag) }}
{{- end }}
