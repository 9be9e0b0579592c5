# snmpd's pass program for the SNMP tests (snmp.sh, lab_snmp.sh): one column, its values
# from a file of "IFINDEX VALUE [TYPE]" lines (TYPE counter by default), answering GET
# and GETNEXT. Usage in snmpd.conf: pass OID /bin/sh snmp_pass.sh OID FILE
col=$1 file=$2 req=$4
case "$3" in
-g) [ "${req%.*}" = "$col" ] || exit 0; idx=${req##*.} ;;
-n) case "$req" in "$col".*) idx=${req##*.} ;; *) idx=0 ;; esac ;;
esac
while read -r i v t; do
	if { [ "$3" = -g ] && [ "$i" = "$idx" ]; } || { [ "$3" = -n ] && [ "$i" -gt "$idx" ]; }; then
		printf '%s.%s\n%s\n%s\n' "$col" "$i" "${t:-counter}" "$v"; exit 0
	fi
done <"$file"
