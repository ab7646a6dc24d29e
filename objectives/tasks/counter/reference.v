// counter: 16-bit up counter with enable, synchronous load, synchronous
// reset and a terminal-count output. Priority: rst > load > en.
module counter (
    input  wire        clk,
    input  wire        rst,
    input  wire        en,
    input  wire        load,
    input  wire [15:0] d,
    output reg  [15:0] q,
    output wire        tc
);

    always @(posedge clk) begin
        if (rst)
            q <= 16'd0;
        else if (load)
            q <= d;
        else if (en)
            q <= q + 16'd1;
    end

    assign tc = (q == 16'hFFFF);

endmodule
