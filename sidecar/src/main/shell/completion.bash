
# ---- Baton's additions (sidecar/src/main/shell/completion.bash), appended at build time

# Completes baton's command line: picocli's _complete_baton above for the options and their values,
# also when written --option=value as start_server users do, and the worker's own command after "--".
function _baton() {
  local cur=${COMP_WORDS[COMP_CWORD]} i
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [[ ${COMP_WORDS[i]} == -- ]]; then
      if declare -f _command_offset >/dev/null; then
        _command_offset $((i + 1)) # bash-completion: as if the worker's command line were typed alone
      elif ((COMP_CWORD == i + 1)); then
        COMPREPLY=($(compgen -c -- "$cur"))
      else
        COMPREPLY=($(compgen -f -- "$cur"))
      fi
      return 0
    fi
  done
  if [[ $cur == = && ${COMP_WORDS[COMP_CWORD - 1]} == --* ]]; then
    # bash splits "--option=" at "=" (COMP_WORDBREAKS): picocli's function expects "--option ''"
    local COMP_WORDS=("${COMP_WORDS[@]:0:$COMP_CWORD}" "")
  elif [[ ${COMP_WORDS[COMP_CWORD - 1]} == = && ${COMP_WORDS[COMP_CWORD - 2]} == --* ]]; then
    # … and "--option=val" into "--option" "=" "val"
    local COMP_WORDS=("${COMP_WORDS[@]:0:$((COMP_CWORD - 1))}" "$cur")
    local COMP_CWORD=$((COMP_CWORD - 1))
  elif [[ $cur == --*=* ]]; then
    # the shell kept "--option=val" whole (zsh does): complete "val", then put "--option=" back
    local option=${cur%%=*}
    local COMP_WORDS=("${COMP_WORDS[@]:0:$COMP_CWORD}" "$option" "${cur#*=}")
    local COMP_CWORD=$((COMP_CWORD + 1))
    _complete_baton
    COMPREPLY=("${COMPREPLY[@]/#/$option=}")
    return 0
  fi
  _complete_baton
}

complete -F _baton -o default baton
# start_server too, when the one on PATH is Baton's (Perl's may hold that name: its options differ)
if command -v start_server >/dev/null && grep -qs baton "$(readlink -f "$(command -v start_server)")"; then
  complete -F _baton -o default start_server
fi
