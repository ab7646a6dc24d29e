// minmax: signed 16-bit comparator with min/max outputs.
// Ports are plain vectors; the operands are interpreted as two's complement.
module minmax (
    input  wire [15:0] a,
    input  wire [15:0] b,
    output wire        a_lt_b,
    output wire        a_eq_b,
    output wire [15:0] min,
    output wire [15:0] max
);

    assign a_lt_b = $signed(a) < $signed(b);
    assign a_eq_b = (a == b);
    assign min    = a_lt_b ? a : b;
    assign max    = a_lt_b ? b : a;

endmodule
