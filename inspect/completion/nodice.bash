# bash completion for nodice(1): subcommands, options, option values, files
# after the options that name one, and after `--` (or the first word that is
# not an option) the command's own completion.
# Installed as share/bash-completion/completions/nodice.

_nodice_run_options="--seed --epoch --tick --cpus --log --rdtsc --dirs --exempt --portable --pid-ns --no-pid-ns
 --schedule-seed --host --clamp-mtime --framework-knobs --threads --order-writes"

_nodice_takes_value() {
	case $1 in
	--seed | --epoch | --tick | --cpus | --log | --rdtsc | --dirs | --exempt | --schedule-seed | --host | \
		--framework-knobs | --threads | --timeout | --artifact | --junit | --html | --record | --against | -n | --runs)
		return 0 ;;
	--json) [[ $2 != audit ]] ;;
	*) return 1 ;;
	esac
}

# The command's own completion from word index $1 on.
_nodice_command_at() {
	if declare -F _command_offset >/dev/null; then
		_command_offset "$1"
	elif ((COMP_CWORD == $1)); then
		mapfile -t COMPREPLY < <(compgen -c -- "${COMP_WORDS[COMP_CWORD]}")
	else
		mapfile -t COMPREPLY < <(compgen -f -- "${COMP_WORDS[COMP_CWORD]}")
	fi
}

_nodice() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local sub="" i
	COMPREPLY=()
	if ((COMP_CWORD == 1)); then
		mapfile -t COMPREPLY < <(compgen -W "run inspect audit verify --help --version" -- "$cur")
		return
	fi
	sub=${COMP_WORDS[1]}
	# Past `--`, or past the first word that is not an option: the command's turn.
	for ((i = 2; i < COMP_CWORD; i++)); do
		local w=${COMP_WORDS[i]}
		if [[ $w == -- ]]; then
			_nodice_command_at $((i + 1))
			return
		fi
		if _nodice_takes_value "$w" "$sub" && [[ $w != *=* ]]; then
			((i++))
			continue
		fi
		if [[ $w != -* && $sub != audit ]]; then
			_nodice_command_at "$i"
			return
		fi
	done
	case $prev in
	--rdtsc) mapfile -t COMPREPLY < <(compgen -W "trap native" -- "$cur"); return ;;
	--dirs) mapfile -t COMPREPLY < <(compgen -W "sorted native" -- "$cur"); return ;;
	--threads) mapfile -t COMPREPLY < <(compgen -W "serial parallel" -- "$cur"); return ;;
	--framework-knobs) mapfile -t COMPREPLY < <(compgen -W "on off strict" -- "$cur"); return ;;
	--log | --junit | --html | --record | --against | --artifact)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
	--json)
		if [[ $sub != audit ]]; then
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			return
		fi ;;
	esac
	if _nodice_takes_value "$prev" "$sub"; then
		return # a number, a name or a time: nothing to offer
	fi
	local opts
	case $sub in
	run) opts="$_nodice_run_options --" ;;
	inspect) opts="$_nodice_run_options --json --html --strict --timeout --" ;;
	verify) opts="$_nodice_run_options -n --runs --artifact --vary-seed --json --html --junit --record --against
		--progress --quiet --timeout --" ;;
	audit) opts="--json --" ;;
	*) return ;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
	elif [[ $sub == audit ]]; then
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	else
		_nodice_command_at "$COMP_CWORD"
	fi
}
complete -F _nodice nodice
