# zsh -f zsh-complete.zsh FPATH_DIR LINE...: types each LINE into an interactive zsh (zsh/zpty) whose
# fpath starts with FPATH_DIR, presses TAB and Enter, and prints the "ARGS:..." line that the completed
# command line printed (baton and start_server are functions there that print their arguments).
zmodload zsh/zpty || exit 3
dir=$1; shift
zpty z 'zsh -f -i' || exit 3
zpty -w z "PS1='> '; unsetopt beep; fpath=($dir \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z 'baton() { print -r -- "ARGS:$*" }; start_server() { baton "$@" }'
for line in "$@"; do
  zpty -n -w z "$line"$'\t\n'
  found=
  for ((i = 0; i < 300; i++)); do      # up to 30 s for this line's answer (zpty -rt does not wait)
    if zpty -rt z out; then
      [[ $out == ARGS:* ]] && { found=${out%%$'\r'*}; break }
    else
      sleep 0.1
    fi
  done
  print -r -- "${found:-NO ANSWER to: $line}"
done
zpty -d z
