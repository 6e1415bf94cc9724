# tests/helpers/sshd.sh - a throwaway sshd inside a test's namespace.
# Source after lib.sh, then:
#   sshd_in NS ADDR     sshd in namespace NS on ADDR:2222, key
#                       authentication with a fresh key; sets the array
#                       sshcmd (ssh ... root@ADDR, run it from a namespace
#                       that reaches ADDR) and waits until a login works
#                       from namespace $SSH_FROM (default NS)
# Nothing on the host is touched: sshd gets its own /run in a private
# mount namespace, its keys and config live in $T/ssh.
need ssh ssh-keygen unshare /usr/sbin/sshd
getent passwd sshd > /dev/null || skip "no sshd privilege separation user"

sshd_in() {
	local ns=$1 addr=$2 k=$T/ssh
	mkdir -m 700 "$k"
	ssh-keygen -q -t ed25519 -N '' -f "$k/host" || fail "ssh-keygen host key"
	ssh-keygen -q -t ed25519 -N '' -f "$k/id" || fail "ssh-keygen user key"
	cp "$k/id.pub" "$k/authorized_keys"
	cat > "$k/sshd_config" <<-CONF
	Port 2222
	ListenAddress $addr
	HostKey $k/host
	AuthorizedKeysFile $k/authorized_keys
	StrictModes no
	PermitRootLogin prohibit-password
	PubkeyAuthentication yes
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UsePAM no
	PidFile $k/sshd.pid
	PrintMotd no
	AllowTcpForwarding no
	X11Forwarding no
	LogLevel VERBOSE
	CONF
	# sshd needs an empty /run/sshd: give it its own /run
	bg sshd ip netns exec "$ns" unshare -m --propagation private sh -c \
		'mount -t tmpfs -o mode=755 vdet-run /run && mkdir -m 755 /run/sshd && exec /usr/sbin/sshd -D -e -f "$1"' sh "$k/sshd_config"
	sshcmd=(ssh -F /dev/null -i "$k/id" -p 2222 -o BatchMode=yes -o StrictHostKeyChecking=no
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "root@$addr")
	wait_for -t 20 ip netns exec "${SSH_FROM:-$ns}" "${sshcmd[@]}" true ||
		fail "cannot ssh to $addr: $(tail -n 5 "$T/sshd.log")"
}
