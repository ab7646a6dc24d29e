// seqdet: Moore FSM detecting the overlapping pattern 1011 on a serial input.
module seqdet (
    input  wire clk,
    input  wire rst,
    input  wire din,
    output wire det
);

    localparam S_IDLE = 3'd0;   // no useful prefix seen
    localparam S_1    = 3'd1;   // seen "1"
    localparam S_10   = 3'd2;   // seen "10"
    localparam S_101  = 3'd3;   // seen "101"
    localparam S_1011 = 3'd4;   // seen "1011": detection

    reg [2:0] state, next_state;

    always @(*) begin
        case (state)
            S_IDLE:  next_state = din ? S_1    : S_IDLE;
            S_1:     next_state = din ? S_1    : S_10;
            S_10:    next_state = din ? S_101  : S_IDLE;
            S_101:   next_state = din ? S_1011 : S_10;
            S_1011:  next_state = din ? S_1    : S_10;
            default: next_state = S_IDLE;
        endcase
    end

    always @(posedge clk) begin
        if (rst)
            state <= S_IDLE;
        else
            state <= next_state;
    end

    assign det = (state == S_1011);

endmodule
