{{/*
baton-inject: run a JVM container under the baton supervisor without the webhook.

Every template takes one dict; only "command" is required. Keys and defaults:
  command            the app's command, a list, e.g. (list "java" "-jar" "/app/app.jar")  (required)
  port               the app's listening port(s) baton opens and hands down; an int or list  8080
  controlPort        baton's control port (/readyz, /healthz, /reload), named "baton"      8081
  tokenFile          baton's --control-token-file, passed with tokenSecret or when given    /var/run/baton/token
                     explicitly (your own mount); "" = no token
  tokenSecret        Secret mounted at dir(tokenFile), key "token"; "" = mount nothing     ""
  extraArgs          more baton flags before "--", e.g. (list "--drain-timeout=30s")       []
  image              the image holding the Baton jars in /opt/baton                        ghcr.io/baton-dev/baton:0.1.0
  imagePullPolicy                                                                          IfNotPresent
  java               java binary used to start the supervisor (the app image's)            java
  javaOpts           JVM flags of the supervisor                                           small heap, SerialGC, C1
  agentArgs          agent options appended as -javaagent:...=ARGS (a cache= of yours wins) ""
  agentCache         a writable emptyDir "<volumeName>-cache" at "<mountPath>-cache" for   true
                     the agent's rewrite cache (cache=<mountPath>-cache/agent goes first
                     in the agent options); false = neither the volume nor the option
  mountPath          where the jars are mounted in the app container                       /opt/baton
  volumeName         name of the emptyDir                                                  baton
  preStopSeconds     preStop sleep while the endpoint is removed                           5
  readinessProbe / livenessProbe   dicts merged over the defaults (periodSeconds...)       {}
*/}}

{{/* The settings with defaults applied: internal. */}}
{{- define "baton-inject.settings" -}}
{{- $d := dict
  "port" 8080
  "controlPort" 8081
  "tokenFile" "/var/run/baton/token"
  "tokenSecret" ""
  "extraArgs" (list)
  "image" "ghcr.io/baton-dev/baton:0.1.0"
  "imagePullPolicy" "IfNotPresent"
  "java" "java"
  "javaOpts" (list "-XX:+UseSerialGC" "-XX:TieredStopAtLevel=1" "-Xss512k" "-Xmx64m" "-XX:MaxMetaspaceSize=96m" "-XX:-UsePerfData" "--enable-native-access=ALL-UNNAMED" "-Djffi.unsafe.disabled=true")
  "agentArgs" ""
  "agentCache" true
  "mountPath" "/opt/baton"
  "volumeName" "baton"
  "preStopSeconds" 5
  "readinessProbe" (dict)
  "livenessProbe" (dict)
-}}
{{- $s := deepCopy . -}}
{{- range $k, $v := $d }}{{ if not (hasKey $s $k) }}{{ $_ := set $s $k $v }}{{ end }}{{ end -}}
{{- if not $s.command -}}
{{- fail "baton-inject: the dict needs \"command\", the app's command as a list" -}}
{{- end -}}
{{- if not (kindIs "bool" $s.agentCache) -}}
{{- fail (printf "baton-inject: agentCache is %v (%s), not a boolean: set it to true or false, unquoted" $s.agentCache (kindOf $s.agentCache)) -}}
{{- end -}}
{{- toJson $s -}}
{{- end }}

{{/* The init container (a list item) copying baton.jar and baton-agent.jar into the emptyDir. */}}
{{- define "baton-inject.initContainer" -}}
{{- $s := include "baton-inject.settings" . | fromJson -}}
- name: baton-install
  image: {{ $s.image | quote }}
  imagePullPolicy: {{ $s.imagePullPolicy }}
  command: ["cp", "/opt/baton/baton.jar", "/opt/baton/baton-agent.jar", "/baton-install/"]
  securityContext:
    runAsNonRoot: true
    readOnlyRootFilesystem: true
    allowPrivilegeEscalation: false
    capabilities:
      drop: ["ALL"]
  resources:
    requests: {cpu: 10m, memory: 16Mi}
    limits: {memory: 64Mi}
  volumeMounts:
    - name: {{ $s.volumeName }}
      mountPath: /baton-install
{{- end }}

{{/* The app container's command (a list): baton wrapping the app's own command. */}}
{{- define "baton-inject.command" -}}
{{- $s := include "baton-inject.settings" . | fromJson -}}
{{- $cmd := list $s.java -}}
{{- range $s.javaOpts }}{{ $cmd = append $cmd . }}{{ end -}}
{{- $cmd = append $cmd "-jar" -}}
{{- $cmd = append $cmd (printf "%s/baton.jar" $s.mountPath) -}}
{{- range (kindIs "slice" $s.port | ternary $s.port (list $s.port)) }}{{ $cmd = append $cmd (printf "--port=%v" .) }}{{ end -}}
{{- $cmd = append $cmd (printf "--control=0.0.0.0:%v" $s.controlPort) -}}
{{- /* A token file only when something puts one there: baton refuses to start on a missing file. */ -}}
{{- if and $s.tokenFile (or $s.tokenSecret (hasKey . "tokenFile")) }}{{ $cmd = append $cmd (printf "--control-token-file=%s" $s.tokenFile) }}{{ end -}}
{{- range $s.extraArgs }}{{ $cmd = append $cmd . }}{{ end -}}
{{- $cmd = append $cmd "--" -}}
{{- range $s.command }}{{ $cmd = append $cmd . }}{{ end -}}
{{- toYaml $cmd -}}
{{- end }}

{{/*
The app container's env entries (list items): the agent for the worker JVM. With agentCache, cache=
comes first in the agent's options: they are comma-separated and a later one wins, so a cache= in
agentArgs still overrides it.
*/}}
{{- define "baton-inject.env" -}}
{{- $s := include "baton-inject.settings" . | fromJson -}}
{{- $options := list -}}
{{- if $s.agentCache }}{{ $options = append $options (printf "cache=%s-cache/agent" $s.mountPath) }}{{ end -}}
{{- if $s.agentArgs }}{{ $options = append $options $s.agentArgs }}{{ end -}}
- name: JAVA_TOOL_OPTIONS
  value: {{ printf "-javaagent:%s/baton-agent.jar%s" $s.mountPath (ternary (printf "=%s" (join "," $options)) "" (gt (len $options) 0)) | quote }}
{{- end }}

{{/* The app container's ports entries (list items): baton's control port, named "baton" (the operator looks for it). */}}
{{- define "baton-inject.ports" -}}
{{- $s := include "baton-inject.settings" . | fromJson -}}
- name: baton
  containerPort: {{ $s.controlPort }}
  protocol: TCP
{{- end }}

{{/* readinessProbe and livenessProbe (container keys) on baton's /readyz and /healthz. */}}
{{- define "baton-inject.probes" -}}
{{- $s := include "baton-inject.settings" . | fromJson -}}
{{- $ready := merge (deepCopy $s.readinessProbe) (dict "httpGet" (dict "path" "/readyz" "port" "baton") "periodSeconds" 5 "failureThreshold" 3) -}}
{{- $live := merge (deepCopy $s.livenessProbe) (dict "httpGet" (dict "path" "/healthz" "port" "baton") "initialDelaySeconds" 10 "periodSeconds" 10 "failureThreshold" 3) -}}
readinessProbe:
  {{- toYaml $ready | nindent 2 }}
livenessProbe:
  {{- toYaml $live | nindent 2 }}
{{- end }}

{{/* lifecycle (a container key): a preStop sleep so traffic stops before baton gets SIGTERM. */}}
{{- define "baton-inject.lifecycle" -}}
{{- $s := include "baton-inject.settings" . | fromJson -}}
lifecycle:
  preStop:
    exec:
      command: ["sleep", {{ $s.preStopSeconds | toString | quote }}]
{{- end }}

{{/* The app container's volumeMounts entries (list items). */}}
{{- define "baton-inject.volumeMounts" -}}
{{- $s := include "baton-inject.settings" . | fromJson -}}
- name: {{ $s.volumeName }}
  mountPath: {{ $s.mountPath }}
  readOnly: true
{{- if $s.agentCache }}
- name: {{ $s.volumeName }}-cache
  mountPath: {{ $s.mountPath }}-cache
{{- end }}
{{- if $s.tokenSecret }}
- name: {{ $s.volumeName }}-token
  mountPath: {{ dir $s.tokenFile }}
  readOnly: true
{{- end }}
{{- end }}

{{/*
The pod's volumes entries (list items): the emptyDir for the jars, the agent's rewrite cache (class
files: ~140 KiB for a JDK HttpServer app; it outlives container restarts, not the pod) and the token
Secret. An emptyDir's root is mode 0777, so the agent, whatever its uid, creates its cache=…/agent
directory there as its own with mode 0700, which is what it requires of a cache before it trusts it
(its rewrites run inside java.base); a read-only root file system leaves it no other place.
*/}}
{{- define "baton-inject.volumes" -}}
{{- $s := include "baton-inject.settings" . | fromJson -}}
- name: {{ $s.volumeName }}
  emptyDir:
    sizeLimit: 64Mi
{{- if $s.agentCache }}
- name: {{ $s.volumeName }}-cache
  emptyDir:
    sizeLimit: 32Mi
{{- end }}
{{- if $s.tokenSecret }}
- name: {{ $s.volumeName }}-token
  secret:
    secretName: {{ $s.tokenSecret }}
    items:
      - key: token
        path: {{ base $s.tokenFile }}
{{- end }}
{{- end }}

{{/*
The whole app container, for the simple case: pass "name", "appImage" and "command" (and optionally
"env", "ports", "volumeMounts", "resources", "securityContext" lists/dicts of your own, merged with
baton's). Renders one list item for spec.containers.
*/}}
{{- define "baton-inject.container" -}}
{{- $s := include "baton-inject.settings" . | fromJson -}}
- name: {{ required "baton-inject.container needs \"name\"" $s.name }}
  image: {{ required "baton-inject.container needs \"appImage\"" $s.appImage | quote }}
  command:
    {{- include "baton-inject.command" . | nindent 4 }}
  env:
    {{- include "baton-inject.env" . | nindent 4 }}
    {{- with $s.env }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  ports:
    {{- range (kindIs "slice" $s.port | ternary $s.port (list $s.port)) }}
    - name: {{ printf "app-%v" . }}
      containerPort: {{ . }}
      protocol: TCP
    {{- end }}
    {{- include "baton-inject.ports" . | nindent 4 }}
  {{- include "baton-inject.probes" . | nindent 2 }}
  {{- include "baton-inject.lifecycle" . | nindent 2 }}
  {{- with $s.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $s.securityContext }}
  securityContext:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  volumeMounts:
    {{- include "baton-inject.volumeMounts" . | nindent 4 }}
    {{- with $s.volumeMounts }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end }}
