// fir4: 4-tap FIR filter (coefficients 3, -5, 7, 2) built from a reusable
// multiply-add tap block whose coefficient is a port, tied off by the parent.
module fir_tap (
    input  wire signed [7:0]  x,
    input  wire signed [7:0]  coef,
    input  wire signed [17:0] sum_in,
    output wire signed [17:0] sum_out
);
    assign sum_out = sum_in + x * coef;
endmodule

module fir4 (
    input  wire        clk,
    input  wire        rst,
    input  wire        en,
    input  wire [7:0]  x,
    output reg  [17:0] y
);
    reg  [7:0]  d1, d2, d3;
    wire [17:0] s0, s1, s2, s3;

    fir_tap t0 (.x(x),  .coef(8'd3),   .sum_in(18'd0), .sum_out(s0));
    fir_tap t1 (.x(d1), .coef(8'hfb),  .sum_in(s0),    .sum_out(s1));
    fir_tap t2 (.x(d2), .coef(8'd7),   .sum_in(s1),    .sum_out(s2));
    fir_tap t3 (.x(d3), .coef(8'd2),   .sum_in(s2),    .sum_out(s3));

    always @(posedge clk) begin
        if (rst) begin
            d1 <= 8'd0;
            d2 <= 8'd0;
            d3 <= 8'd0;
            y  <= 18'd0;
        end else if (en) begin
            d1 <= x;
            d2 <= d1;
            d3 <= d2;
            y  <= s3;
        end
    end
endmodule
