{{/*
baton-inject: run a JVM container under the baton supervisor without the webhook.

Every template takes one dict; only "command" is required. Keys and defaults:
  command            the app's command, a list, e.g. (list "java" "-jar" "/app/app.jar")  (required)
  port               the app's listening port(s) baton opens and hands down; an int or list  8080
  controlPort        baton's control port (/readyz, /healthz, /reload), named "baton"      8081
  tokenFile          baton's --control-token-file, passed with tokenSecret or when given    /var/run/baton/token
                     explicitly (your own mount); "" = no token
  tokenSecret        the control token Secret, mounted at dir(tokenFile): the operator's    baton-control-token
                     (the same name everywhere); "" = no token: the control port answers
                     anyone who reaches it
  tokenKey           the token's key in that Secret (the operator's --token-key)           token
  extraArgs          more baton flags before "--", e.g. (list "--drain-timeout=30s")       []
  image              the image holding the Baton jars in /opt/baton                        ghcr.io/baton-dev/baton:0.1.0
  imagePullPolicy                                                                          IfNotPresent
  java               java binary used to start the supervisor (the app image's)            java
  javaOpts           JVM flags of the supervisor                                           small heap, SerialGC, C1
  agentArgs          agent options appended as -javaagent:...=ARGS (a cache= of yours wins) ""
  agentCache         a writable emptyDir "<volumeName>-cache" at "<mountPath>-cache" for   true
                     the agent's rewrite cache (cache=<mountPath>-cache/agent goes first
                     in the agent options) and baton's --jvm-cache <mountPath>-cache/jvm
                     (--jvm-cache-size=512M; yours in extraArgs win); false = none of them
  mountPath          where the jars are mounted in the app container                       /opt/baton
  volumeName         name of the emptyDir                                                  baton
  preStopSeconds     preStop sleep while the endpoint is removed; 0 = no preStop          5
  preStop            how the pause is made: sleepAction (lifecycle.preStop.sleep, no      auto
                     binary needed: distroless; Kubernetes 1.30+), exec (sleep in the
                     image), auto (sleepAction when kubeVersion is 1.30+, else exec)
  kubeVersion        the cluster's version for preStop auto: pass                          ""
                     .Capabilities.KubeVersion.Version
  terminationGracePeriodSeconds  your pod's, raised by                                    30
                     baton-inject.terminationGracePeriodSeconds to cover preStop + drain
  readinessProbe / livenessProbe   dicts merged over the defaults (periodSeconds...)       {}
  For the memory check (baton-inject.memoryWarning), what the container has besides:
  name               the container's name, for the message (baton-inject.container's too)  app
  args               the container's args (they follow command)                            []
  env                the container's env entries (JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS)     []
  resources          the container's resources (limits.memory)                             {}
  memoryCheck        warn (the text from baton-inject.memoryWarning, for NOTES.txt), fail  warn
                     (the render fails with it) or off
*/}}

{{/* The settings with defaults applied: internal. */}}
{{- define "baton-inject.settings" -}}
{{- $d := dict
  "port" 8080
  "controlPort" 8081
  "tokenFile" "/var/run/baton/token"
  "tokenSecret" "baton-control-token"
  "tokenKey" "token"
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
  "preStop" "auto"
  "kubeVersion" ""
  "terminationGracePeriodSeconds" 30
  "readinessProbe" (dict)
  "livenessProbe" (dict)
  "args" (list)
  "env" (list)
  "resources" (dict)
  "memoryCheck" "warn"
-}}
{{- $s := deepCopy . -}}
{{- range $k, $v := $d }}{{ if not (hasKey $s $k) }}{{ $_ := set $s $k $v }}{{ end }}{{ end -}}
{{- if not $s.command -}}
{{- fail "baton-inject: the dict needs \"command\", the app's command as a list" -}}
{{- end -}}
{{- if not (kindIs "bool" $s.agentCache) -}}
{{- fail (printf "baton-inject: agentCache is %v (%s), not a boolean: set it to true or false, unquoted" $s.agentCache (kindOf $s.agentCache)) -}}
{{- end -}}
{{- if not (has $s.preStop (list "auto" "sleepAction" "exec")) -}}
{{- fail (printf "baton-inject: preStop is %v: give auto, sleepAction or exec" $s.preStop) -}}
{{- end -}}
{{- if not (has $s.memoryCheck (list "warn" "fail" "off")) -}}
{{- fail (printf "baton-inject: memoryCheck is %v: give warn, fail or off" $s.memoryCheck) -}}
{{- end -}}
{{- toJson $s -}}
{{- end }}

{{/* Whether the token Secret is mounted: a Secret and a file to put it at. Internal. */}}
{{- define "baton-inject.mountsToken" -}}
{{- $s := include "baton-inject.settings" . | fromJson -}}
{{- if and $s.tokenSecret $s.tokenFile }}true{{ end -}}
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
{{- /* With the cache volume, baton's class-data cache of a java worker goes there too, unless extraArgs say otherwise. */ -}}
{{- if $s.agentCache -}}
{{- $own := dict -}}
{{- range $s.extraArgs }}{{ if or (eq . "--jvm-cache") (hasPrefix "--jvm-cache=" .) }}{{ $_ := set $own "dir" true }}{{ end }}{{ if or (eq . "--jvm-cache-size") (hasPrefix "--jvm-cache-size=" .) }}{{ $_ := set $own "size" true }}{{ end }}{{ end -}}
{{- if not $own.dir }}{{ $cmd = append $cmd (printf "--jvm-cache=%s-cache/jvm" $s.mountPath) }}{{ end -}}
{{- if not $own.size }}{{ $cmd = append $cmd "--jvm-cache-size=512M" }}{{ end -}}
{{- end -}}
{{- range $s.extraArgs }}{{ $cmd = append $cmd . }}{{ end -}}
{{- $cmd = append $cmd "--" -}}
{{- range $s.command }}{{ $cmd = append $cmd . }}{{ end -}}
{{- if eq $s.memoryCheck "fail" }}{{ with include "baton-inject.memoryWarning" . }}{{ fail (printf "baton-inject: %s" .) }}{{ end }}{{ end -}}
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

{{/*
lifecycle (a container key): a preStop pause so traffic stops before baton gets SIGTERM. The native
sleep action needs no binary in the image (distroless has no sleep) but exists only from Kubernetes 1.30:
an older API server drops the field and refuses the pod, so auto takes it only when kubeVersion says so
(the webhook decides the same way from the API server's version). Nothing with preStopSeconds 0.
*/}}
{{- define "baton-inject.lifecycle" -}}
{{- $s := include "baton-inject.settings" . | fromJson -}}
{{- if gt (int $s.preStopSeconds) 0 -}}
{{- $native := or (eq $s.preStop "sleepAction") (and (eq $s.preStop "auto") $s.kubeVersion (semverCompare ">=1.30.0-0" $s.kubeVersion)) -}}
lifecycle:
  preStop:
    {{- if $native }}
    sleep:
      seconds: {{ int $s.preStopSeconds }}
    {{- else }}
    exec:
      command: ["sleep", {{ $s.preStopSeconds | toString | quote }}]
    {{- end }}
{{- end -}}
{{- end }}

{{/*
A duration as baton and the agent take it (30s, 500ms, 2m, 1h, plain seconds) in whole seconds, rounded up;
-1 when malformed. Internal: the argument is the text.
*/}}
{{- define "baton-inject.seconds" -}}
{{- $t := lower (trim .) -}}
{{- if regexMatch "^[0-9]+(\\.[0-9]+)?(ms|s|m|h)?$" $t -}}
{{- $n := float64 (regexReplaceAll "^([0-9.]+).*$" $t "${1}") -}}
{{- $unit := regexReplaceAll "^[0-9.]+" $t "" -}}
{{- $factor := get (dict "ms" 0.001 "s" 1.0 "m" 60.0 "h" 3600.0 "" 1.0) $unit -}}
{{- int64 (ceil (mulf $n $factor)) -}}
{{- else -}}
-1
{{- end -}}
{{- end }}

{{/*
terminationGracePeriodSeconds (a number for the pod spec): the pod's own (terminationGracePeriodSeconds,
default 30) raised to what the shutdown may take, as the webhook raises it: preStop, then the drain (the
agent's drainTimeout, default 30 s, plus its 2 s watchdog; cut short by baton's --drain-timeout), plus 5 s.
The kubelet SIGKILLs what is left when it runs out, preStop included; a longer period costs a pod that
stops quickly nothing.
*/}}
{{- define "baton-inject.terminationGracePeriodSeconds" -}}
{{- $s := include "baton-inject.settings" . | fromJson -}}
{{- $drain := 30 -}}
{{- range (splitList "," $s.agentArgs) }}{{ if hasPrefix "drainTimeout=" (trim .) }}{{ $d := int64 (include "baton-inject.seconds" (trimPrefix "drainTimeout=" (trim .))) }}{{ if ge $d 0 }}{{ $drain = $d }}{{ end }}{{ end }}{{ end -}}
{{- $drain = add $drain 2 -}}
{{- range $s.extraArgs }}{{ if hasPrefix "--drain-timeout=" . }}{{ $d := int64 (include "baton-inject.seconds" (trimPrefix "--drain-timeout=" .)) }}{{ if and (ge $d 0) (lt $d $drain) }}{{ $drain = $d }}{{ end }}{{ end }}{{ end -}}
{{- $needed := add (int64 $s.preStopSeconds) $drain 5 -}}
{{- max (int64 $s.terminationGracePeriodSeconds) $needed -}}
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
{{- if include "baton-inject.mountsToken" . }}
- name: {{ $s.volumeName }}-token
  mountPath: {{ dir $s.tokenFile }}
  readOnly: true
{{- end }}
{{- end }}

{{/*
The pod's volumes entries (list items): the emptyDir for the jars, the caches (the agent's rewrite
cache, ~140 KiB for a JDK HttpServer app, and baton's --jvm-cache, tens of MB, at most 512M plus a
build's files; they outlive container restarts, not the pod) and the token Secret. An emptyDir's root is mode 0777, so the agent, whatever its uid, creates its cache=…/agent
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
    sizeLimit: 1Gi
{{- end }}
{{- if include "baton-inject.mountsToken" . }}
- name: {{ $s.volumeName }}-token
  secret:
    secretName: {{ $s.tokenSecret }}
    items:
      - key: {{ $s.tokenKey }}
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

{{/*
A size as the JVM takes it (512m, 1g, 2048k, bytes) in bytes; -1 when malformed. Internal.
*/}}
{{- define "baton-inject.jvmBytes" -}}
{{- if regexMatch "^[0-9]+[kKmMgGtT]?$" . -}}
{{- $unit := lower (regexReplaceAll "^[0-9]+" . "") -}}
{{- mul (int64 (regexReplaceAll "[^0-9]" . "")) (get (dict "" 1 "k" 1024 "m" 1048576 "g" 1073741824 "t" 1099511627776) $unit) -}}
{{- else -}}
-1
{{- end -}}
{{- end }}

{{/*
The memory check, the same as the webhook's (operator: MemoryFit): during a reload the container holds
baton and two generations of the app's JVM, each sizing its heap as if it were alone. It fits when

  limit >= 2 x (max heap + 64Mi non-heap) + 100Mi (baton) + 10% of the limit (baton's --memory-margin)

(helm/README.md, "Memory: sizing for a reload"). Renders the one-line warning when the container's
resources.limits.memory cannot hold that, else nothing (also without a limit, or when the command is not
java and the env sets no heap flag). The max heap follows HotSpot's ergonomics: -Xmx/-XX:MaxHeapSize, else
MaxRAMPercentage (25) of the limit, or MinRAMPercentage (50) when that is below the JVM's built-in
~125Mi, never below that otherwise; -XX:MaxRAM replaces the limit, -Xms raises the result. Flags come from
JAVA_TOOL_OPTIONS, then JDK_JAVA_OPTIONS, then the command line (a later one wins). Include it in your
chart's NOTES.txt; memoryCheck "fail" makes baton-inject.command fail the render with it instead.
*/}}
{{- define "baton-inject.memoryWarning" -}}
{{- $s := include "baton-inject.settings" . | fromJson -}}
{{- $limitText := "" -}}
{{- if and (ne $s.memoryCheck "off") $s.resources -}}
{{- with $s.resources.limits }}{{ with .memory }}{{ $limitText = toString . }}{{ end }}{{ end -}}
{{- end -}}
{{- if regexMatch "^[0-9]+(\\.[0-9]+)?([KMGTPE]i|[kMGTPE])?$" $limitText -}}
{{- $MiB := 1048576 -}}
{{- $unit := regexReplaceAll "^[0-9.]+" $limitText "" -}}
{{- $mult := get (dict "" 1.0 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "Pi" 1125899906842624.0 "Ei" 1152921504606846976.0 "k" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "P" 1e15 "E" 1e18) $unit -}}
{{- $limit := int64 (floor (mulf (float64 (regexReplaceAll "[^0-9.]" $limitText "")) $mult)) -}}
{{- /* The JVM's options: the environment's, then the command line's up to the main class, -jar or an @argfile. */ -}}
{{- $tokens := list -}}
{{- range (list "JAVA_TOOL_OPTIONS" "JDK_JAVA_OPTIONS") }}{{ $name := . }}{{ range $s.env }}{{ if and (eq .name $name) .value }}{{ $tokens = concat $tokens (splitList " " (regexReplaceAll "\\s+" (trim .value) " ")) }}{{ end }}{{ end }}{{ end -}}
{{- $argv := concat $s.command $s.args -}}
{{- $java := eq (base (toString (first $argv))) "java" -}}
{{- $heapFlag := false -}}
{{- range $tokens }}{{ if regexMatch "^-(Xmx|Xms|XX:(MaxHeapSize|InitialHeapSize|MaxRAMPercentage|MinRAMPercentage|MaxRAM)=)" . }}{{ $heapFlag = true }}{{ end }}{{ end -}}
{{- if $java -}}
{{- $done := false -}}{{- $skip := false -}}
{{- range (rest $argv) -}}
{{- if not $done -}}
{{- if $skip -}}{{- $skip = false -}}
{{- else if or (not (hasPrefix "-" .)) (has . (list "-jar" "-m" "--module")) (hasPrefix "--module=" .) -}}{{- $done = true -}}
{{- else if has . (list "-cp" "-classpath" "--class-path" "-p" "--module-path" "--upgrade-module-path" "--add-modules" "--add-opens" "--add-exports" "--add-reads" "--patch-module" "--limit-modules" "--source") -}}{{- $skip = true -}}
{{- else -}}{{- $tokens = append $tokens . -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if or $java $heapFlag -}}
{{- $maxHeap := -1 -}}{{- $maxHeapFlag := "" -}}{{- $initial := -1 -}}{{- $maxPct := -1.0 -}}{{- $minPct := -1.0 -}}{{- $maxRam := -1 -}}
{{- range $tokens -}}
{{- if or (hasPrefix "-Xmx" .) (hasPrefix "-XX:MaxHeapSize=" .) -}}
{{- $b := int64 (include "baton-inject.jvmBytes" (trimPrefix "-XX:MaxHeapSize=" (trimPrefix "-Xmx" .))) -}}
{{- if gt $b 0 }}{{ $maxHeap = $b }}{{ $maxHeapFlag = . }}{{ end -}}
{{- else if or (hasPrefix "-Xms" .) (hasPrefix "-XX:InitialHeapSize=" .) -}}
{{- $b := int64 (include "baton-inject.jvmBytes" (trimPrefix "-XX:InitialHeapSize=" (trimPrefix "-Xms" .))) -}}
{{- if gt $b 0 }}{{ $initial = $b }}{{ end -}}
{{- else if and (hasPrefix "-XX:MaxRAMPercentage=" .) (regexMatch "^[0-9]+(\\.[0-9]+)?$" (trimPrefix "-XX:MaxRAMPercentage=" .)) -}}
{{- $p := float64 (trimPrefix "-XX:MaxRAMPercentage=" .) }}{{ if le $p 100.0 }}{{ $maxPct = $p }}{{ end -}}
{{- else if and (hasPrefix "-XX:MinRAMPercentage=" .) (regexMatch "^[0-9]+(\\.[0-9]+)?$" (trimPrefix "-XX:MinRAMPercentage=" .)) -}}
{{- $p := float64 (trimPrefix "-XX:MinRAMPercentage=" .) }}{{ if le $p 100.0 }}{{ $minPct = $p }}{{ end -}}
{{- else if hasPrefix "-XX:MaxRAM=" . -}}
{{- $b := int64 (include "baton-inject.jvmBytes" (trimPrefix "-XX:MaxRAM=" .)) -}}
{{- if gt $b 0 }}{{ $maxRam = $b }}{{ end -}}
{{- end -}}
{{- end -}}
{{- $flags := dict "maxHeap" $maxHeap "maxHeapFlag" $maxHeapFlag "initial" $initial "maxPct" $maxPct "minPct" $minPct "maxRam" $maxRam -}}
{{- $h := include "baton-inject.heapAt" (dict "flags" $flags "limit" $limit) | fromJson -}}
{{- $heap := int64 $h.bytes -}}{{- $why := $h.why -}}
{{- /* 2 x (heap + 64Mi) + 100Mi + baton's --memory-margin default, 10% of the limit (rounded as baton does). */ -}}
{{- $margin := add (mul (div $limit 100) 10) (div (mul (mod $limit 100) 10) 100) -}}
{{- $need := add (mul 2 (add $heap (mul 64 $MiB))) (mul 100 $MiB) $margin -}}
{{- if lt $limit $need -}}
{{- $needMi := div (add $need (sub $MiB 1)) $MiB -}}
{{- $fits := sub (div (sub (sub $limit $margin) (mul 100 $MiB)) 2) (mul 64 $MiB) -}}
{{- /* The smallest limit that fits with the heap the JVM picks there (operator: MemoryFit.smallestLimit). */ -}}
{{- $smallest := -1 -}}{{- $at := $limit -}}
{{- range until 64 -}}
{{- if and (lt $smallest 0) (le $at 1099511627776) -}}
{{- $base := add (mul 2 (add (int64 (include "baton-inject.heapAt" (dict "flags" $flags "limit" $at) | fromJson).bytes) (mul 64 $MiB))) (mul 100 $MiB) -}}
{{- $next := mul (div (add (add (div (mul (sub $base 1) 100) 90) 1) (sub $MiB 1)) $MiB) $MiB -}}
{{- if le $next $at }}{{ $smallest = $at }}{{ else }}{{ $at = $next }}{{ end -}}
{{- end -}}
{{- end -}}
{{- $cap := "" -}}{{- $raise := "" -}}
{{- if ge $fits (mul 16 $MiB) }}{{ $cap = printf "cap the heap at %dMi (-Xmx%dm)" (div $fits $MiB) (div $fits $MiB) }}{{ end -}}
{{- if gt $smallest 0 }}{{ $raise = printf "raise the limit to %dMi" (div $smallest $MiB) }}{{ end -}}
{{- $fix := printf "cap the heap with -Xmx and raise the limit: a heap of %s grows with the limit" $why -}}
{{- if and $cap $raise }}{{ $fix = printf "%s or %s" $cap $raise }}{{ else if $cap }}{{ $fix = $cap }}{{ else if $raise }}{{ $fix = $raise }}{{ end -}}
{{- $name := $s.name | default "app" -}}
{{- printf "container %s: a reload needs %dMi but the memory limit is %dMi: 2 JVMs x (%dMi heap (%s) + 64Mi non-heap) + baton 100Mi + margin %dMi (10%% of the limit); %s (sizing rule: helm/README.md)" $name $needMi (div (add $limit (sub $MiB 1)) $MiB) (div (add $heap (sub $MiB 1)) $MiB) $why (div (add $margin (sub $MiB 1)) $MiB) $fix -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end }}

{{/*
The max heap HotSpot's ergonomics (Arguments::set_heap_size) give a JVM with these flags in this limit, as
JSON {"bytes": N, "why": "..."}: -Xmx, else MaxRAMPercentage of the limit (or of MaxRAM), MinRAMPercentage
of it below the built-in ~125Mi, never below that otherwise; its own picks aligned up to 2 MiB; -Xms raises
it. Internal: baton-inject.memoryWarning calls it at the container's limit and at the limits it suggests.
*/}}
{{- define "baton-inject.heapAt" -}}
{{- $f := .flags -}}{{- $limit := int64 .limit -}}
{{- $heap := int64 $f.maxHeap -}}{{- $why := $f.maxHeapFlag -}}
{{- $maxRam := int64 $f.maxRam -}}{{- $maxPct := float64 $f.maxPct -}}{{- $minPct := float64 $f.minPct -}}
{{- if le $heap 0 -}}
{{- $builtin := 130862280 -}}
{{- $phys := ternary $maxRam $limit (gt $maxRam 0) -}}
{{- $of := ternary " of MaxRAM" " of the limit" (gt $maxRam 0) -}}
{{- $maxP := ternary $maxPct 25.0 (ge $maxPct 0.0) -}}
{{- $minP := ternary $minPct 50.0 (ge $minPct 0.0) -}}
{{- $reasonableMax := int64 (floor (divf (mulf $phys $maxP) 100)) -}}
{{- $reasonableMin := int64 (floor (divf (mulf $phys $minP) 100)) -}}
{{- if lt $reasonableMin $builtin -}}
{{- $heap = $reasonableMin -}}{{- $why = printf "MinRAMPercentage=%s%s%s" (include "baton-inject.number" $minP) $of (ternary "" ", the JVM's default" (ge $minPct 0.0)) -}}
{{- else if ge $reasonableMax $builtin -}}
{{- $heap = $reasonableMax -}}{{- $why = printf "MaxRAMPercentage=%s%s%s" (include "baton-inject.number" $maxP) $of (ternary "" ", the JVM's default" (ge $maxPct 0.0)) -}}
{{- else -}}
{{- $heap = $builtin -}}{{- $why = "the JVM's smallest default heap" -}}
{{- end -}}
{{- $heap = mul (div (add $heap 2097151) 2097152) 2097152 -}}
{{- if gt (int64 $f.initial) $heap }}{{ $heap = int64 $f.initial }}{{ $why = "-Xms" }}{{ end -}}
{{- end -}}
{{- dict "bytes" $heap "why" $why | toJson -}}
{{- end }}

{{/* A percentage as the webhook writes it: 25, 12.5. Internal. */}}
{{- define "baton-inject.number" -}}
{{- if eq (floor .) (float64 .) }}{{ int64 . }}{{ else }}{{ . }}{{ end -}}
{{- end }}
