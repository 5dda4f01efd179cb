#compdef baton start_server
# zsh completion for baton, generated at build time (sidecar/src/main/shell/completion.zsh): the bash
# completion below, picocli's from baton's options with Baton's additions, run through zsh's bashcompinit,
# so both shells complete the same options and values.

(( $+functions[_bash_complete] )) || { autoload -U +X bashcompinit && bashcompinit }
# The script calls bash's compopt where it exists. zsh has none, and the alias to complete that the
# script makes for zsh comes too late for functions read in the same file as this one: do nothing.
(( $+functions[compopt] )) || compopt() { return 0 }

@BASH_COMPLETION@

# This first time, complete now: the "complete" lines above have bound baton (and start_server, when it
# is Baton's) to _baton for the next times. Perl's start_server keeps zsh's default completion.
if [[ $service == start_server && $_comps[start_server] == _baton ]]; then
  compdef -d start_server
  _default "$@"
else
  _bash_complete -o default -F _baton "$@"
fi
