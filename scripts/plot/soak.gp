# A soak against time: the aggregate and the slowest flow's rate per phase (top), and the
# growth of the ports' error counters per snapshot, all ranks summed (bottom).
#   gnuplot -e "rates='rates.csv'; errs='errs.csv'; errn=3; xmax=60; out='soak.svg'" soak.gp
# rates: t_s,aggregate_Gbps,slowest_Gbps (one row per phase, at its middle)
# errs: t_s,errors (one row per counter snapshot after the first; empty: no counters)
if (!exists("out")) out = "soak.svg"
if (out[strlen(out)-2:] eq "png") {
	set terminal pngcairo size 900,640 noenhanced font "Sans,10"
} else {
	set terminal svg size 900,640 fixed noenhanced font "Sans,10" background "white"
}
set output out
set datafile separator ","
set grid lc rgb "#dddddd"
set key top right box opaque
if (!exists("xmax")) xmax = 0
if (xmax > 0) set xrange [0:xmax]
set multiplot layout 2,1
set title "Rate against time"
set ylabel "Gb/s"
set yrange [0:*]
set offsets 0, 0, graph 0.1, 0
plot rates using 1:2 with linespoints lw 2 pt 7 title "aggregate", \
     rates using 1:3 with linespoints lw 1.5 pt 6 title "slowest flow"
set title "Error counters against time (errors, drops, discards, flaps, FEC uncorrectable, retransmits)"
set xlabel "time since the soak began [s]"
set ylabel "growth per snapshot"
if (errn > 0) {
	plot errs using 1:2 with impulses lw 3 title "all ranks"
} else {
	set label 1 "no counter snapshots" at graph 0.5, 0.5 center
	plot 1/0 notitle
}
unset multiplot
