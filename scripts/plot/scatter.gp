# Per-flow measured against predicted rate (from fabprobe analyze --flows), suspects in red.
#   gnuplot -e "file='flows.csv'; out='scatter.svg'" scatter.gp
# terminal from the output file's extension, CSV with a header
if (!exists("out")) out = "plot.svg"
if (out[strlen(out)-2:] eq "png") {
	set terminal pngcairo size 900,560 noenhanced font "Sans,10"
} else {
	set terminal svg size 900,560 fixed noenhanced font "Sans,10" background "white"
}
set output out
set datafile separator ","
set key autotitle columnhead
set grid lc rgb "#dddddd"
set key top left box opaque
if (!exists("file")) file = "flows.csv"
set xlabel "predicted [Gb/s]"
set ylabel "measured [Gb/s]"
set title "Flows: measured against predicted"
set key top left
set xrange [0:*]
set yrange [0:*]
set offsets 0, graph 0.05, graph 0.05, 0
plot file using 6:($9 == 0 ? $5 : 1/0) with points pt 7 ps 0.6 lc rgb "#2166ac" title "flows", \
     file using 6:($9 > 0 ? $5 : 1/0) with points pt 7 ps 0.9 lc rgb "red" title "through a suspect", \
     x with lines dt 2 lc rgb "gray" title "measured = predicted"
